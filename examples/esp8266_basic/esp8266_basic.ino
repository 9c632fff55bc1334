// An ESP8266 / NodeMCU joins the lab over Wi-Fi (Arduino IDE, libraries: ESP8266WiFi, PubSubClient).
//
// 1. On the computer run `mqtt-lab --lan` (or `mqtt-lab broker --lan`): it prints the line to
//    paste below, e.g.  const char* mqttServer = "192.168.1.23";
// 2. Put your Wi-Fi name and password in, upload, and open the serial monitor at 115200.
// 3. In the lab type `phone sub car/speed` and watch the board's CONNECT, PINGREQs and PUBLISHes
//    arrive in the inspector; `phone pub esp/led on` switches the LED.
//
// ESP8266 用 Wi-Fi 加入实验室：电脑上运行 `mqtt-lab --lan`，把它打印的那一行复制到下面。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "your-wifi";
const char* password = "your-password";
const char* mqttServer = "192.168.1.23";   // ← the line mqtt-lab --lan prints
const int mqttPort = 1883;

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

void onMessage(char* topic, byte* payload, unsigned int length) {
  // The payload is not NUL-terminated: use length.
  Serial.print("Message [");
  Serial.print(topic);
  Serial.print("] ");
  for (unsigned int i = 0; i < length; i++) Serial.print((char)payload[i]);
  Serial.println();
  bool on = length == 2 && payload[0] == 'o' && payload[1] == 'n';
  digitalWrite(LED_BUILTIN, on ? LOW : HIGH);   // the NodeMCU LED is active-low
}

void connectMqtt() {
  String clientId = "esp8266-" + WiFi.macAddress();
  while (!mqttClient.connected()) {
    if (mqttClient.connect(clientId.c_str())) {
      Serial.println("MQTT Server Connected.");
      mqttClient.subscribe("esp/led");
    } else {
      Serial.print("MQTT connect failed, state() = ");
      Serial.println(mqttClient.state());   // -2 no TCP, 4 bad credentials, 5 not authorized …
      delay(3000);
    }
  }
}

void setup() {
  pinMode(LED_BUILTIN, OUTPUT);
  digitalWrite(LED_BUILTIN, HIGH);   // start with the LED off
  Serial.begin(115200);
  WiFi.mode(WIFI_STA);
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(500);
    Serial.print(".");
  }
  Serial.println("\nWiFi Connected!");
  mqttClient.setServer(mqttServer, mqttPort);
  mqttClient.setCallback(onMessage);   // keep alive stays at PubSubClient's 15 s
  connectMqtt();
}

unsigned long lastPublish = 0;

void loop() {
  if (!mqttClient.connected()) connectMqtt();
  mqttClient.loop();   // receives messages and sends PINGREQ; without it the broker drops us after 22.5 s
  if (millis() - lastPublish > 3000) {
    lastPublish = millis();
    String speed = String(40 + random(40));
    mqttClient.publish("car/speed", speed.c_str());   // PubSubClient publishes at QoS 0 only
  }
}
