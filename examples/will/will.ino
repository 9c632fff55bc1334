// will: lesson 2-7 (ESP8266 MQTT 遗嘱应用). The board connects with a will: if it vanishes
// without a DISCONNECT (power cut, reset, lost Wi-Fi), the server publishes "CLIENT-OFFLINE",
// retained, to Taichi-Maker-<MAC>-Will. After every connect the board itself publishes
// "CLIENT-ONLINE", retained, to the same topic, so the topic always tells whether it is online.
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud, subscribe in the
// lab to the will topic and pull the USB cable: CLIENT-OFFLINE arrives at most 22.5 s later
// (1.5 × the 15 s keep alive, counted from the board's last packet). Without a board,
// `mqtt-lab nodemcu --pty --sketch will` (or `new esp --sketch will` inside the lab) runs the same
// program on a virtual NodeMCU.
//
// 遗嘱（第 2-7 课）：开发板带着遗嘱连接：如果它没有发 DISCONNECT 就消失（断电、复位、Wi-Fi 断开），
// 服务端就向 Taichi-Maker-<MAC>-Will 发布保留消息 "CLIENT-OFFLINE"。每次连上后开发板自己先在同一
// 主题保留发布 "CLIENT-ONLINE"，所以这个主题总能说明它在不在线。在电脑上运行 `mqtt-lab --lan`，
// 把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，串口监视器设为 115200，在实验室里
// 订阅遗嘱主题，然后拔掉数据线：最多 22.5 秒后收到 CLIENT-OFFLINE（从开发板最后一个报文算起，
// 1.5 倍的 15 秒心跳）。没有开发板：`mqtt-lab nodemcu --pty --sketch will`
// （或在实验室里 `new esp --sketch will`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

const char* willMsg = "CLIENT-OFFLINE";  // what the server publishes for us
const int willQos = 0;
const bool willRetain = true;    // retained: a late subscriber still learns we are gone
const bool cleanSession = true;  // 1, as the 5-argument connect(id, willTopic, …) sends

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

void setup() {
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  connectMQTTServer();
}

void loop() {
  if (mqttClient.connected()) {
    mqttClient.loop();  // keeps the heartbeat: the server waits 1.5 × 15 s before the will
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();
  String willTopic = "Taichi-Maker-" + WiFi.macAddress() + "-Will";

  // id, user, password (none), will topic, will QoS, will retain, will message, clean session
  if (mqttClient.connect(clientId.c_str(), NULL, NULL, willTopic.c_str(), willQos, willRetain, willMsg, cleanSession)) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    pubOnline(willTopic);
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());
    delay(5000);
  }
}

void pubOnline(const String& willTopic) {
  const char* message = "CLIENT-ONLINE";

  // Retained, like the will, so it replaces CLIENT-OFFLINE on the topic.
  if (mqttClient.publish(willTopic.c_str(), message, true)) {
    Serial.print("Publish Topic: ");
    Serial.println(willTopic);
    Serial.print("Publish message: ");
    Serial.println(message);
  } else {
    Serial.println("Message Publish Failed.");
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
